i=0
while [ $((i+=1)) -le 3 ]; do printf '%s ' $i; done
echo
