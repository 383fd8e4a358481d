#!/bin/bash
while read -r -n 1 ch; do printf "[%s]" "$ch"; done <<< "abc"
echo
