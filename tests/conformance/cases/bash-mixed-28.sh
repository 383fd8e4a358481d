#!/bin/bash
exec 3>&1
result=$(echo "to stdout"; echo "to fd3" >&3)
exec 3>&-
echo "captured: $result"
