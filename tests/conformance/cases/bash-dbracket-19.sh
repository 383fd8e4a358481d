#!/bin/bash
x=
[[ -z $x ]] && echo "empty unquoted ok"
y="a   b"
[[ $y == "a   b" ]] && echo spaces-kept
