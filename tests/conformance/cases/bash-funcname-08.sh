#!/bin/bash
f() { echo "${FUNCNAME}"; }
g() { f; echo "$FUNCNAME"; }
g
echo "[${FUNCNAME}]"
