#!/bin/bash
for w in apple banana; do echo "${w^}"; done
e=""
echo "[${e^^}]"
