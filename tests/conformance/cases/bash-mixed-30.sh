#!/bin/bash
items=(b a c)
IFS=$'\n' sorted=($(sort <<< "${items[*]}"))
unset IFS
echo "${sorted[@]}"
