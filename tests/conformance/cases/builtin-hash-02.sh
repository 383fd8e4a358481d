hash no_such_command_xyz 2>/dev/null
echo "status $?"
hash ls no_such_command_xyz cat 2>/dev/null
echo "status $?"
