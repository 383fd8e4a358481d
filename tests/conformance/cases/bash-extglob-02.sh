#!/bin/bash
shopt -s extglob
for w in a ab abab b ""; do
	case $w in
	+(ab)) echo "[$w] plus" ;;
	?(a)) echo "[$w] opt" ;;
	*) echo "[$w] other" ;;
	esac
done
