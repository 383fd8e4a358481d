#!/bin/bash
printf "%s\n" $'\u0041\u00e9\U0001F600' | od -An -tx1
echo $'A\x42\103'
