#!/bin/bash
usage() { echo "usage: $0 [-v] [-n N] file..."; }
verbose=0 n=1 files=()
set -- -v -n 3 a b
while (( $# )); do
	case $1 in
	-v) verbose=1 ;;
	-n) n=$2; shift ;;
	-*) usage; exit 2 ;;
	*) files+=("$1") ;;
	esac
	shift
done
echo "v=$verbose n=$n files=${files[*]} count=${#files[@]}"
