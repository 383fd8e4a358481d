#!/bin/bash
x=$'one\ttwo'
printf '[%s]\n' "$x"
printf '[%s]\n' "$'not-special'"
printf '%s\n' $'\e' | od -An -c | tr -d ' '
