echo 'false' > inc.sh
. ./inc.sh
echo $?
: > empty.sh
. ./empty.sh
echo $?
