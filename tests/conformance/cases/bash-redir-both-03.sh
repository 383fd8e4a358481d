#!/bin/bash
f() { echo out; echo err >&2; }
f &> log
wc -l < log
f 2>/dev/null &>> log
wc -l < log
