alias sl='echo aliased'; sl 2>/dev/null || echo not-yet
sl
