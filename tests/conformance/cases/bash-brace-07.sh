#!/bin/bash
for f in file{1..3}.log; do touch "$f"; done
ls file*.log
echo {10..8}
echo {a..c..2}
