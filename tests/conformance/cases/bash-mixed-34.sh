#!/bin/bash
printf "b 2\na 1\nc 3\n" | sort -k2 -n | while read -r k v; do echo "$v:$k"; done
