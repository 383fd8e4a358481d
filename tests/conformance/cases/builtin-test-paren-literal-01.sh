test "(" = "(" && echo paren-eq
test -e '' || echo empty-path
[ "-n" = "-n" ] && echo dash-n-string
