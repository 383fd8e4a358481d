#!/bin/bash
shopt -s extglob
v=abcabc
[[ $v == *(abc) ]] && echo star
[[ $v == @(abc) ]] || echo not-one
[[ "" == *(x) ]] && echo empty-star
[[ x == !(x) ]] || echo not-x
