#!/bin/bash
mkdir -p a .hid
touch a/x.c top.c .hid/h.c .dot
shopt -s dotglob
echo *
shopt -s globstar
echo **/*.c
shopt -u dotglob
echo *
