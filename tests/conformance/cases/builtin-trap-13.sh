trap 'x=$((x+1))' TERM
x=0
kill -TERM $$
kill -TERM $$
echo $x
