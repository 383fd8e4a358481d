#!/bin/bash
declare -r RO=1
RO=2 2>/dev/null
echo $RO
f() { local -r y=3; echo $y; }
f
typeset t=typeset
echo $t
