#!/bin/bash
declare -x EXPORTED=yes
bash -c 'echo "$EXPORTED"'
declare +x EXPORTED
bash -c 'echo "[${EXPORTED-}]"' 
