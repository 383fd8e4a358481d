echo a; false; echo $?
