#!/bin/bash
for i in 1 2; do false | true; done
echo "${PIPESTATUS[*]}"
x=$(false | true; echo "${PIPESTATUS[*]}")
echo "$x"
