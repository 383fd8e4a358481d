touch 'with space' plain
for f in *; do echo "[$f]"; done
