#!/bin/bash
v=abc
if [[ $v == a* ]] && (( ${#v} == 3 )); then echo both; fi
[[ $v ]] && echo nonempty
[[ ! $v =~ z ]] && echo nz
