set -e
trap 'echo trap status $?' EXIT
(exit 6)
echo not reached
