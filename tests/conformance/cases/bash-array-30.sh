#!/bin/bash
declare -a nums=(10 20)
nums[${#nums[@]}]=30
echo "${nums[@]}"
i=1
echo "${nums[i]} ${nums[i+1]}"
