#!/bin/bash
x="x=1"
echo $(( x ))
echo "$x"
y="z=5+1"
echo $(( y * 2 )) "$z"
