echo 'f() { echo defined-in-dot; }' > inc.sh
. ./inc.sh
f
