#!/bin/bash
local x=1 2>/dev/null
echo "status $?"
f() { local a=1 b; b=2; echo "$a $b"; }
f
echo "${a-unset} ${b-unset}"
