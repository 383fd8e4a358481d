#!/bin/bash
declare -a empty
echo "[${empty[@]}]" "${#empty[@]}"
arr=(one)
echo "${arr[@]/o/0}" "${arr[0]^^}"
