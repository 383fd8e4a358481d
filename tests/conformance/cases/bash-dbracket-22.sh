#!/bin/bash
v=abc
[[ $v =~ b ]] && echo "partial ${BASH_REMATCH[0]}"
[[ $v =~ ^(a)(x)?(c)? ]] && echo "groups [${BASH_REMATCH[1]}][${BASH_REMATCH[2]}]"
