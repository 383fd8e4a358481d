exec 2>&1
x=1
set -x
y=2
set +x
echo $y
