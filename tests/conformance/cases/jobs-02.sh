sleep 1 &
jobs > f
[ -s f ] && echo listed
jobs -p > f
[ "$(cat f)" = "$!" ] && echo pid-matches
kill $!
wait
