#!/bin/bash
declare -A cfg=([host]=localhost [port]=8080)
for k in host port user; do
	if [[ -v cfg[$k] ]]; then echo "$k=${cfg[$k]}"; else echo "$k unset"; fi
done
