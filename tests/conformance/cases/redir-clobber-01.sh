echo a > f
set -C
echo b > f
echo status $?
cat f
echo c >| f
cat f
