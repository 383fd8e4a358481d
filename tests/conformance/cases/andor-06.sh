! false && echo negated
! true || echo negated2
