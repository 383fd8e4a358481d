set -- -x -e
echo $1 $2
case $- in *x*) echo traced;; *) echo not-traced;; esac
