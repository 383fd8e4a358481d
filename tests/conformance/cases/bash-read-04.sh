#!/bin/bash
read -t 0 < /dev/null; echo "t0=$?"
sleep 1 | { read -t 0.2 x; echo "timeout=$? [$x]"; }
printf "hi\n" > f
read -u 3 z 3< f; echo "[$z]"
read -p "prompt: " v <<< value; echo "[$v]"
read -s w <<< secret; echo "[$w]"
