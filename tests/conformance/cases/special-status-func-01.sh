f() { return $1; }
f 3; echo $?
f 0; echo $?
f 255; echo $?
