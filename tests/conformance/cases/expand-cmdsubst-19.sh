echo ${x:-$(echo in-default)}
echo "$(( $(echo 3) * 2 ))"
