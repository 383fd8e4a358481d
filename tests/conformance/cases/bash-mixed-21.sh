#!/bin/bash
version="1.12.3"
IFS=. read -r major minor patch <<< "$version"
(( minor++ ))
echo "$major.$minor.0"
[[ $version =~ ^([0-9]+)\.([0-9]+) ]] && echo "${BASH_REMATCH[1]}/${BASH_REMATCH[2]}"
