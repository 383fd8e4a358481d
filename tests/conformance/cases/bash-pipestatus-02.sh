#!/bin/bash
! false
echo "${PIPESTATUS[@]}"
x=1
echo "${PIPESTATUS[@]}"
f() { return 3; }
f | true
echo "${PIPESTATUS[@]}"
