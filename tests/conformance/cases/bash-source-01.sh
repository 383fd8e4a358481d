#!/bin/bash
echo 'echo sourced $1; v=set' > lib.sh
source ./lib.sh arg
echo $v
. ./lib.sh dot
