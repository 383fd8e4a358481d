#!/bin/bash
[[ 1 -eq 1 && 2 -gt 1 ]] && echo and
[[ 1 -eq 2 || 3 -ge 3 ]] && echo or
[[ ! 1 -eq 2 ]] && echo not
[[ ( 1 -eq 2 || 1 -eq 1 ) && 2 -le 2 ]] && echo paren
