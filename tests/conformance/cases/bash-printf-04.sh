#!/bin/bash
printf -v line "%-6s|%4d" ab 42
echo "[$line]"
printf -v hex "%x" 255
echo "$hex"
