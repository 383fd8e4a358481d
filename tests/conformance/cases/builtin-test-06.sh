test ! -e nosuch && echo negated
test -e nosuch -o -n x && echo or
test -n x -a -z '' && echo and
test \( -n x \) && echo paren
