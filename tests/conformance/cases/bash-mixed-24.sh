#!/bin/bash
s="key1=val1;key2=val2;key3=val3"
IFS=";" read -r -a pairs <<< "$s"
declare -A kv
for p in "${pairs[@]}"; do kv[${p%%=*}]=${p#*=}; done
echo "${kv[key2]} ${#kv[@]}"
