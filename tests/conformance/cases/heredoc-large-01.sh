# a here-document larger than a pipe buffer must not deadlock
i=0
: > body
while [ $i -lt 2000 ]; do echo "line $i of a long here-document body......" >> body; i=$((i+1)); done
eval "cat <<END | wc -l
$(cat body)
END"
