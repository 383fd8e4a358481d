ulimit -f 1 2
echo st=$?
ulimit -f
ulimit -t 5 -n 100
echo st=$?
ulimit -t
