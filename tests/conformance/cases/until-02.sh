until true; do echo never; done
echo $?
