unset u
echo "${u:-"inner quoted"}"
echo "${u:-'single in double'}"
