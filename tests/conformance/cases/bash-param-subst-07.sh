#!/bin/bash
set -- one two three
echo "${1/o/0}" "${2^}" "${3:1:2}"
u=
echo "[${u/x/y}]" "[${u:0:1}]"
