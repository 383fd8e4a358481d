#!/bin/bash
mkdir -p a/b c .hid
touch a/x.c a/b/y.c c/z.c top.c .hid/h.c .dot
shopt -s globstar
echo **/*.c
echo **
echo **/
echo a/**
