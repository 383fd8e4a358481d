#!/bin/bash
x=hello
[[ $x == h* ]] && echo glob
[[ $x == "h*" ]] || echo literal
[[ $x =~ ^h(el)(lo)$ ]] && echo "${BASH_REMATCH[0]} ${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
