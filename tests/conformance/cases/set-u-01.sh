set -u
x=1
echo $x
echo ${u:-default}
echo before
echo $u
echo not reached
