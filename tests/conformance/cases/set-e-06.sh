set -e
false && echo no
echo and-list-ok
