#!/bin/bash
f() { echo v1; }
export -f f
f() { echo v2; }
bash -c f
unset -f f
bash -c f 2>/dev/null || echo unset
