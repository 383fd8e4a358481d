exec 2>&1
x=val
set -x
echo $x
set +x
