./nosuchfile
echo $?
/nonexistent/path/cmd
echo $?
