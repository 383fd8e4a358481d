#!/bin/bash
[[ 1 -eq 1 &&
   2 -eq 2 ]] && echo multiline
[[ -f /nonexistent ]] || [[ -d / ]] && echo chain
