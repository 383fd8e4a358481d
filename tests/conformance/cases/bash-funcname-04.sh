#!/bin/bash
outer() { inner; }
inner() { echo "${FUNCNAME[0]} called by ${FUNCNAME[1]} depth ${#FUNCNAME[@]}"; }
outer
inner
