#!/bin/bash
f() {
	local x=inner
	declare y=alsolocal
	declare -g z=global
	echo "$x $y"
}
x=outer
f
echo "$x [${y-}] $z"
