set -n
echo not executed
