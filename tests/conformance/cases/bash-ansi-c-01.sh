#!/bin/bash
printf '%s\n' $'a\tb' | od -c | head -1
printf '%s\n' $'line1\nline2'
printf '%s\n' $'it\'s' $'\x41\102' $'back\\slash'
