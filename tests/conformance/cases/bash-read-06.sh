#!/bin/bash
read -r a b c <<< "one two three four"
echo "$a|$b|$c"
read -r -a all <<< "one two three four"
echo "${#all[@]}"
