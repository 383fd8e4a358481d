#!/bin/bash
args=(-n hello)
echo "${args[@]}"
cmd=(printf '%s-%s\n' a b)
"${cmd[@]}"
