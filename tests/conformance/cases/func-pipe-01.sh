f() { while read -r l; do echo "f:$l"; done; }
printf 'a\nb\n' | f
