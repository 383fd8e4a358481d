#!/bin/bash
s="Hello World"
echo "${s,,} ${s^^}"
echo "${s:6} ${s:0:5} ${s: -5:3}"
