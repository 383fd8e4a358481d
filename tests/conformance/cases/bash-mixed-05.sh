#!/bin/bash
function usage { echo "usage: ${0##*/} [-v]"; }
verbose=0
set -- -v file
while [[ $# -gt 0 ]]; do
	case $1 in
	-v) ((verbose++)) ;;
	*) file=$1 ;;
	esac
	shift
done
echo "verbose=$verbose file=$file"
usage
