i=0
until [ $i = 2 ]; do i=$((i+1)); echo $i; done >> f
until [ $i = 4 ]; do i=$((i+1)); echo $i; done >> f
cat f
