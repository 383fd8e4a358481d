#!/bin/bash
counter() {
	local -i c=0
	local i
	for i in 1 2 3; do c+=i; done
	echo "$c"
}
counter
