#!/bin/bash
[[ -z "" ]] && echo z
[[ -n x ]] && echo n
[[ -z x ]]; echo $?
[[ x ]] && echo nonempty
[[ "" ]]; echo $?
