#!/bin/bash
true | false | true
s=("${PIPESTATUS[@]}")
echo "${s[*]}"
