#!/bin/bash
echo a | cat | wc -l
echo "${PIPESTATUS[@]}"
ls /nonexistent-dir 2>/dev/null | cat
echo "${PIPESTATUS[0]} ${PIPESTATUS[1]} ${#PIPESTATUS[@]}"
