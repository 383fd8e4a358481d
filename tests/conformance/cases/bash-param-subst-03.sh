#!/bin/bash
s="a b c"
echo "${s// /_}"
x=aaa
echo "${x//a/bb}"
echo "${x/a*/z}"
echo "${x//?/-}"
