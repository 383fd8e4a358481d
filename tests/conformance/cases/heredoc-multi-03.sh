while read -r l; do echo "got $l"; done <<X
1
2
X
