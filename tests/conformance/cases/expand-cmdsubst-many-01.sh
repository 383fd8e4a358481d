i=0 s=
while [ $i -lt 100 ]; do s=$s$(echo x); i=$((i+1)); done
echo ${#s}
