export V=1
unset V
export -p | grep 'V=' || echo gone
