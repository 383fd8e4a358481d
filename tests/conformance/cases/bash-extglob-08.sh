#!/bin/bash
shopt -s extglob
for v in 10 0x1f abc 007 ""; do
	case $v in
	+([0-9])) echo "$v decimal" ;;
	0x+([0-9a-f])) echo "$v hex" ;;
	"") echo "empty" ;;
	*) echo "$v other" ;;
	esac
done
