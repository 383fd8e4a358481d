IFS=,
for i in a,b,c; do echo $i; done
v=a,b,c
for i in $v; do echo $i; done
