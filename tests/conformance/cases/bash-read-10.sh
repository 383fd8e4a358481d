#!/bin/bash
printf "k1=v1\nk2=v2\n" > conf
while IFS== read -r k v; do echo "$k -> $v"; done < conf
