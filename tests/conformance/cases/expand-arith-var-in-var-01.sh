a=5
n=a
eval "echo \$(( $n * 2 ))"
echo $(( $n + 1 ))
