#!/bin/bash
stack=()
push() { stack+=("$1"); }
pop() { unset "stack[${#stack[@]}-1]"; }
push a; push b; push c
pop
echo "${stack[@]}"
