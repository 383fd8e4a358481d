#!/bin/bash
set -- a b c d e
echo "${@:2}"
echo "${@:2:2}"
echo "${*:4}"
f() { echo "$#: $*"; }
f "${@:3}"
