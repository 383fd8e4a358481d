printf 'noeol' | { read x; echo "status $? [$x]"; }
