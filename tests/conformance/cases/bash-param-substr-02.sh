#!/bin/bash
s=abcdefgh
n=2
echo "${s:n}"
echo "${s:n+1:n}"
echo "${s:1:-2}"
echo "${s:(-2)}"
