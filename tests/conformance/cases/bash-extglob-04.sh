#!/bin/bash
shopt -s extglob
for f in report.txt image.png notes.md; do
	if [[ $f == !(*.png) ]]; then echo "keep $f"; fi
	[[ $f == *.@(txt|md) ]] && echo "text $f"
done
case foo.tar.gz in *.@(gz|bz2|xz)) echo compressed ;; esac
