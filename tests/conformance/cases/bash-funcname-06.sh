#!/bin/bash
r() {
	local n=$1
	echo "$n ${#FUNCNAME[@]}"
	(( n > 0 )) && r $((n - 1))
}
r 2
