touch f
mkdir d
ln -s f l
test -e f && echo e
test -f f && echo f
test -d d && echo d
test -f d || echo d-not-f
test -h l && echo h
test -L l && echo L
test -e nosuch || echo missing
