#!/bin/bash
for v in 1 22 333; do
	[[ ${#v} -gt 1 ]] && echo "long $v"
done
[[ "a b" == a\ b ]] && echo escaped-space
