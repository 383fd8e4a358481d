#!/bin/bash
lines=0 words=0
while IFS= read -r line; do
	(( lines++ )) || true
	read -r -a w <<< "$line"
	(( words += ${#w[@]} )) || true
done <<"EOF"
one two
three four five

six
EOF
echo "$lines $words"
