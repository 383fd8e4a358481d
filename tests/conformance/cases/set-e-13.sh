set -e
if true; then false; fi
echo not reached
