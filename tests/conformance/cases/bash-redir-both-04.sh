#!/bin/bash
ls /nonexistent-path &> out.txt
echo "$?"
grep -c "nonexistent" out.txt
echo more &>> out.txt
tail -n 1 out.txt
