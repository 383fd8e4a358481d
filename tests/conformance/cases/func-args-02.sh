set -- outer1 outer2
f() { echo "$1"; set -- changed; echo "$1"; }
f inner
echo "$1 $#"
