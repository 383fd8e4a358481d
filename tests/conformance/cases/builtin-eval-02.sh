cmd='echo "a  b"'
eval $cmd
eval "$cmd"
