#!/bin/bash
s=abc
s+=def
echo $s
n=1
n+=1
echo $n
unset u
u+=new
echo $u
