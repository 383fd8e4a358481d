#!/bin/bash
p=/usr/local/bin
echo "${p//\//:}"
echo "${p//o}"
f=file.tar.gz
echo "${f/.*/}"
echo "${f/.tar/}"
