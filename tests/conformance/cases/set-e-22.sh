set -e
x=1
[ $x = 2 ] && echo no
echo test-and-ok
