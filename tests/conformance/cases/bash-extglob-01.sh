#!/bin/bash
shopt -s extglob
touch top.c a.c b.h
echo @(top|a).c
echo !(top).c
echo *.@(c|h)
echo +(t|o|p).c
