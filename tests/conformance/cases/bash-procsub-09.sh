#!/bin/bash
f() { cat "$@"; }
f <(echo one) <(echo two)
grep -c x <(printf "x\ny\nx\n")
