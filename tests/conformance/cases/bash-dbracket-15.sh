#!/bin/bash
[[ abc == a?c ]] && echo q
[[ abc == a[b]c ]] && echo class
[[ abc == *d* ]]; echo $?
[[ x == x && ( y == z || 1 -eq 1 ) ]] && echo nested
