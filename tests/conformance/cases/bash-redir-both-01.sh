#!/bin/bash
{ echo out; echo err >&2; } &> both.txt
sort both.txt
ls /nonexistent_dir_xyz &>/dev/null || echo silenced
