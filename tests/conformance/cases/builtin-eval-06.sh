set -- a b
eval 'echo $#; set -- c; echo $1'
echo $1
