#!/bin/bash
grep -q nomatch /dev/null | cat
echo "${PIPESTATUS[0]}"
if false | true; then echo "if ${PIPESTATUS[*]}"; fi
