f() { for i in "$@"; do echo "<$i>"; done; }
f "a b" c
