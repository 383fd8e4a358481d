#!/bin/bash
s=hello
for ((i = 0; i < ${#s}; i++)); do echo -n "${s:i:1}-"; done
echo
echo "${s:1:-1}"
