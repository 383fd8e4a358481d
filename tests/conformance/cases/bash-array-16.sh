#!/bin/bash
f() { echo "$#"; }
a=("a b" "" c)
f "${a[@]}"
f ${a[@]}
f "${a[*]}"
