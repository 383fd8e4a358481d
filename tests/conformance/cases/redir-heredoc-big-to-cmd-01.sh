i=0
while [ $i -lt 3000 ]; do echo "row $i"; i=$((i+1)); done > rows
eval "sed -n '\$p' <<END
$(cat rows)
END"
