#!/bin/bash
i=1
let i++ i+=10
echo $i
let "a = 7 % 3"
echo $a
