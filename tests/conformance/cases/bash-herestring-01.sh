#!/bin/bash
cat <<< "hello"
x=world
cat <<< "hello $x"
wc -l <<< "$(printf 'a\nb')"
