set -- one two three
echo $1 $2 $3 ${1} ${3}
