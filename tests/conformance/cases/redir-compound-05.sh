printf 'x\ny\n' > in
while read -r l; do echo "[$l]"; done < in
