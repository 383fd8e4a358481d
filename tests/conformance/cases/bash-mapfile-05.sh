#!/bin/bash
mapfile -t words < <(printf "%s\n" c a b | sort)
echo "${words[*]}"
