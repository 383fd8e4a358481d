f() { (return 4); echo sub $?; }
f
