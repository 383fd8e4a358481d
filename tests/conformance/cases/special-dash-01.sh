echo "[$-]"
set -e
echo "[$-]"
set -u
case $- in *u*) echo has u ;; esac
set +eu
echo "[$-]"
