f() { local n=$1; [ $n -le 0 ] && return; echo $n; f $((n-1)); echo back $n; }
f 2
