set -a
x=exported
sh -c 'echo "[$x]"'
set +a
y=notexported
sh -c 'echo "[$y]"'
