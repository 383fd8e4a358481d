printf 'abc\n' > f
cat f > g < f
cat g
