#!/bin/bash
set -e
[[ 1 -eq 1 ]]
echo first
[[ a == b ]] || echo handled
[[ a == b ]]
echo not reached
