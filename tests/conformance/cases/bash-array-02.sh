#!/bin/bash
a=(one "two words" three)
for e in "${a[@]}"; do echo "[$e]"; done
for e in ${a[@]}; do echo "<$e>"; done
