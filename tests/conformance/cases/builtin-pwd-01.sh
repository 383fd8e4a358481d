mkdir sub
cd sub
[ "$(pwd)" = "$PWD" ] && echo pwd-matches
basename "$(pwd -L)"
