#!/bin/bash
shopt -s extglob
path=/usr/local//bin///
echo "${path//+(\/)//}"
name=file.tar.gz
echo "${name%.@(gz|bz2)}"
