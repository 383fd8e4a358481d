#!/bin/bash
greet() { echo "hi $1"; }
export -f greet
bash -c "greet there"
env | grep -c "^BASH_FUNC_greet%%="
export -nf greet
bash -c "greet x" 2>/dev/null || echo gone
