printf 'echo "script ran: $# args: $*"\nexit 7\n' >s
chmod +x s
./s a 'b c'
echo "status $?"
