v='$x'
x=final
eval "echo $v"
eval echo '$v'
