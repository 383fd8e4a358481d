#!/bin/bash
die() { echo "error: $*" >&2; return 3; }
check() { [[ -f $1 ]] || { die "no $1"; return; }; echo ok; }
check /nonexistent
echo "status $?"
