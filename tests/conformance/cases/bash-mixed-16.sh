#!/bin/bash
set -euo pipefail
f() { echo "in f"; }
f
v=${UNSET_VAR:-fallback}
echo "$v"
arr=()
echo "${#arr[@]}"
