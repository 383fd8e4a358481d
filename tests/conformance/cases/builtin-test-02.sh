test abc = abc && echo same
test abc != abd && echo differ
test -n x && echo nonempty
test -z '' && echo empty
test x && echo one-arg
test '' || echo empty-one-arg
