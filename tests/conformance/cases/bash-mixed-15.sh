#!/bin/bash
join_by() { local IFS=$1; shift; echo "$*"; }
join_by , a b c
join_by "" x y z
arr=(1 2 3)
join_by - "${arr[@]}"
