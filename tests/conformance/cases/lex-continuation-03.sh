echo $((1 + \
2))
echo ${x\
-default}
