#!/bin/bash
v=42
[[ $v -gt 40 && $v -lt 50 ]] && echo range
[[ -z "" && -n x ]] && echo strings
[[ ! -e /nonexistent ]] && echo missing
