#!/bin/bash
declare -A deps=([app]="lib util" [lib]="util" [util]="")
visit() {
	local n=$1 d
	[[ -n ${done_[$n]} ]] && return
	for d in ${deps[$n]}; do visit "$d"; done
	done_[$n]=1
	echo "$n"
}
declare -A done_
visit app
