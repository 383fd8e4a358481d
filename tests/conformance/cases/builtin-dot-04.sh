mkdir lib
echo 'echo found-in-path' > lib/inc
PATH=$PWD/lib:$PATH
. inc
