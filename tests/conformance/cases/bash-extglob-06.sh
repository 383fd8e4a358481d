#!/bin/bash
shopt -s extglob
touch a.jpg b.png c.gif d.txt
echo *.@(jpg|png)
echo !(*.txt)
ls -d +([a-c]).*
