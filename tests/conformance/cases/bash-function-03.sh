#!/bin/bash
function rec { if (( $1 > 0 )); then echo $1; rec $(( $1 - 1 )); fi; }
rec 3
