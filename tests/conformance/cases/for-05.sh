list='1 2  3'
for i in $list; do echo $i; done
for i in "$list"; do echo "[$i]"; done
