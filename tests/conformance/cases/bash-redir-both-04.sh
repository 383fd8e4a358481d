#!/bin/bash
ls /nonexistent-dir |& wc -l
{ echo out; echo err >&2; } |& sort
f() { echo e >&2; }
f |& tr e E
ls /nonexistent-dir 2>/dev/null |& wc -l
echo x |& cat |& cat
