#!/bin/bash
printf "abcdef\n" | { read -n 3 x; echo "[$x]"; read y; echo "[$y]"; }
printf "a\\\\bcdef\n" | { read -n 3 x; echo "[$x]"; }
printf "ab" | { read -N 5 x; echo "$? [$x]"; }
printf "a\nb" | { read -N 3 x; echo "$? [$x]"; }
