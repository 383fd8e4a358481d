#!/bin/bash
s=$SECONDS
[[ $s -ge 0 && $s -lt 5 ]] && echo small
