#!/bin/bash
msg="Hello"
msg+=", "
msg+="World"
echo "$msg"
f() { local l=a; l+=b; echo $l; }
f
