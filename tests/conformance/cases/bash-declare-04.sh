#!/bin/bash
f() {
	local x
	x=set-in-f
	echo "$x"
}
x=global
f
echo $x
g() { local -x E=1; printenv E; }
g
printenv E || echo not-exported-outside
