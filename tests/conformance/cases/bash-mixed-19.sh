#!/bin/bash
retry() {
	local n=0 max=3
	until (( n >= max )); do
		(( n++ ))
		[[ $n -eq 2 ]] && { echo "ok after $n"; return 0; }
		echo "try $n failed"
	done
	return 1
}
retry
