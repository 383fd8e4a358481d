#!/bin/bash
a="two words"
[[ $a == "two words" ]] && echo no-split
[[ -n $unset_var ]] || echo unset-ok
b='*'
[[ $b == '*' ]] && echo star
