#!/bin/bash
for s in simple "with space" "quote'd" 'dollar$' 'back\slash' "tab	x"; do printf "%q\n" "$s"; done
