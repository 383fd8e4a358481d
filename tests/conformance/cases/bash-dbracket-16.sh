#!/bin/bash
x=$(echo hi)
[[ $(echo hi) == "$x" ]] && echo subst
[[ -n $(printf abc) ]] && echo nonempty-subst
