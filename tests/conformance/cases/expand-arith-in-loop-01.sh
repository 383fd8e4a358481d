i=0 out=
while [ $i -lt 5 ]; do out=$out$((i * i)),; i=$((i + 1)); done
echo $out
