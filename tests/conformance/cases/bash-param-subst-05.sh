#!/bin/bash
path="/a/b/c.txt"
echo "${path//\//_}"
name="${path##*/}"
echo "${name/.txt/.md}"
echo "${name^^}"
