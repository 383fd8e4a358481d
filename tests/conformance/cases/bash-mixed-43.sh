#!/bin/bash
set -o pipefail
if ! grep -q zzz <<< "abc" | cat; then echo "pipe failed"; fi
echo "${PIPESTATUS[@]}"
