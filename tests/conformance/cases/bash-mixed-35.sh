#!/bin/bash
x=10
{ x=20; echo "group $x"; }
echo "after group $x"
( x=30; echo "subshell $x" )
echo "after subshell $x"
echo a | { read -r x; echo "pipe $x"; }
echo "after pipe $x"
