{ echo out; echo err >&2; } 2>/dev/null
{ echo a; } >f; { echo b; } >>f
cat f
