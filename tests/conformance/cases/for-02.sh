set -- x 'y z'
for i; do echo "[$i]"; done
