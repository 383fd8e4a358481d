#!/bin/bash
read -a arr <<< ""
echo "$? ${#arr[@]}"
read x < /dev/null
echo "$? [$x]"
