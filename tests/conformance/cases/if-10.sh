if false; then echo a; elif false; then echo b; fi
echo $?
