#!/bin/bash
tmp=work.$$
mkdir "$tmp"
trap 'rm -rf "$tmp"' EXIT
echo data > "$tmp/f"
[[ -s $tmp/f ]] && echo "written"
cat "$tmp/f"
