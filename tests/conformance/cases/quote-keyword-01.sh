'if' true 2>/dev/null; echo status $?
