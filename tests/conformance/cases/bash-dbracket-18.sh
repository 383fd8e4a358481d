#!/bin/bash
a=1
[[ $a -ne 1 ]] || echo ne-false
[[ 010 -eq 8 ]] && echo octal || echo decimal
[[ -1 -lt 0 ]] && echo negative
