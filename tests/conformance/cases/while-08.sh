while read -r a b; do echo "a=$a b=$b"; done <<END
1 2 3
x
END
