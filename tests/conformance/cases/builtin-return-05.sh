echo 'return 5; echo no' > lib.sh
. ./lib.sh
echo dot returned $?
