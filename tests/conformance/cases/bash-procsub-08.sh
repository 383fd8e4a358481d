#!/bin/bash
tee >(wc -l > count.txt) < <(seq 4) > /dev/null
wait
sleep 0.2
cat count.txt
