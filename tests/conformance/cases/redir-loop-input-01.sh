printf 'a\nb\n' > in
for i in 1 2; do read -r l; echo "$i:$l"; done < in
