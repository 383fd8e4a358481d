#!/bin/bash
shopt -s nullglob
echo nomatch*
echo "[$(echo x*y)]"
set -- *.none
echo $#
shopt -u nullglob
echo x*y
