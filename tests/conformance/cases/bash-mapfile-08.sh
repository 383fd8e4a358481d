#!/bin/bash
readarray -t cols <<< "a b c"
echo "${#cols[@]} ${cols[0]}"
readarray -d " " -t parts <<< "a b c"
echo "${#parts[@]} [${parts[2]}]"
