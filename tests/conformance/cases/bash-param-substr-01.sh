#!/bin/bash
s=abcdefgh
echo "${s:2}"
echo "${s:2:3}"
echo "${s: -3}"
echo "${s: -3:2}"
echo "${s:0:1}"
echo "${s:10}"
