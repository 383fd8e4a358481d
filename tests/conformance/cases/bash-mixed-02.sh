#!/bin/bash
parse() {
	local line=$1
	if [[ $line =~ ^([a-z]+)=(.*)$ ]]; then
		echo "key=${BASH_REMATCH[1]} value=${BASH_REMATCH[2]^^}"
	fi
}
printf 'a=1\nb=two\n#c\n' > conf
while read -r l; do parse "$l"; done < conf
