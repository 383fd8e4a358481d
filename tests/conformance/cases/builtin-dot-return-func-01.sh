echo 'echo in-dot; return 3; echo no' > inc
f() { . ./inc; echo "after dot $?"; }
f
