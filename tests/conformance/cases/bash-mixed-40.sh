#!/bin/bash
shopt -s extglob nullglob
touch x1.c x2.c y.h
srcs=(!(y).c)
echo "${srcs[@]}"
objs=("${srcs[@]/%.c/.o}")
echo "${objs[@]}"
