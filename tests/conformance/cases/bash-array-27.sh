#!/bin/bash
a=(apple banana cherry)
echo "${a[@]/an/AN}"
echo "${a[@]^}"
echo "${a[@]#?}"
