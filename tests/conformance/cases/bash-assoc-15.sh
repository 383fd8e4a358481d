#!/bin/bash
f() {
	local -A inner=([k]=v)
	echo "${inner[k]}"
}
f
declare -A g=([k]=global)
f
echo "${g[k]}"
