#!/bin/bash
die() { echo "error in ${FUNCNAME[1]}: $*"; }
work() { die "bad input"; }
work
[[ ${BASH_SOURCE[0]} == "$0" ]] && echo main-script
