#!/bin/bash
s="The quick brown fox"
words=($s)
echo "${#words[@]} words, last ${words[-1]}, lower ${s,,}"
echo "${s// /-}"
cat <<< "${s:4:5}"
