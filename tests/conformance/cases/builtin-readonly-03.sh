R=v
readonly R
readonly -p | grep '^readonly R='
