#!/bin/bash
tr a-z A-Z <<< "shout"
read -r w1 w2 <<< "two words"
echo "$w2 $w1"
wc -c <<< ""
