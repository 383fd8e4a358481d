#!/bin/bash
printf "a b  c\n" | { read; echo "[$REPLY]"; }
printf "  a b  \n" | { read; echo "[$REPLY]"; }
printf "  a b  \n" | { read x; echo "[$x]"; }
