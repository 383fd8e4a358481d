#!/bin/bash
x=5; y=x; z=y
echo $(( z + 1 ))
e="2 * 3"
echo $(( e + 1 ))
unset u
echo $(( u + 1 ))
