x=set
echo ${x:-$(echo not-run >&2; echo nope)}
