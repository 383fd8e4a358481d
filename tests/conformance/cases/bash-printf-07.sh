#!/bin/bash
arr=(x y z)
printf -v joined "%s," "${arr[@]}"
echo "${joined%,}"
