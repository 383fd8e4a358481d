test a '<' b && echo less 2>/dev/null
test 010 -eq 10 && echo numeric
test -5 -lt 3 && echo negative
