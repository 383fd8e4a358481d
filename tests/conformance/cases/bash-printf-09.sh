#!/bin/bash
printf -v v "%s" ""
echo "[${v}] ${#v}"
printf -v "w" "%d" 12
echo "$w"
