export X=exported
sh -c 'echo "[$X]"'
Y=local
sh -c 'echo "[$Y]"'
export Y
sh -c 'echo "[$Y]"'
