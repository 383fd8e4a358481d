{ echo in; false; }
echo $?
