export Q='it'"'"'s'
export -p | grep '^export Q='
