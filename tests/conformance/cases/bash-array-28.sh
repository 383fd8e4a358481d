#!/bin/bash
set -- p q r
args=("$@")
echo "${#args[@]} ${args[2]}"
args=("${args[@]:1}")
echo "${args[*]}"
