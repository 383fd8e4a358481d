printf 'x\ny\n' > f
while read -r l <&3; do echo "$l"; done 3<f
