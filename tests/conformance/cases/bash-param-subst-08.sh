#!/bin/bash
path=/home/user/docs/file.tar.gz
echo "${path##*/} ${path%/*} ${path%%.*} ${path#*.}"
echo "${path/user/USER} ${path//\//:}"
