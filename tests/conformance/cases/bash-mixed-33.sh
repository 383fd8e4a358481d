#!/bin/bash
contains() { local e m=$1; shift; for e; do [[ $e == "$m" ]] && return 0; done; return 1; }
arr=(one two three)
contains two "${arr[@]}" && echo yes
contains four "${arr[@]}" || echo no
