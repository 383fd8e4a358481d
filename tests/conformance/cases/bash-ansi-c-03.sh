#!/bin/bash
IFS=$'\n'
set -- $(printf 'a b\nc d\n')
echo $#
echo "$1|$2"
