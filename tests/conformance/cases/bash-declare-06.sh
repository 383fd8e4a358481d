#!/bin/bash
declare -i n=5
n+=3
echo "$n"
declare -r ro=fixed
ro=changed 2>/dev/null
echo "$ro"
