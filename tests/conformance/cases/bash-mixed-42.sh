#!/bin/bash
s="The Quick Brown"
words=($s)
echo "${#words[@]} ${words[@],,}"
echo "${s// /_}"
