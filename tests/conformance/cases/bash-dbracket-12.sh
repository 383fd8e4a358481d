#!/bin/bash
[[ -v HOME ]] && echo home-set
[[ -v no_such_var_x ]] || echo unset
v=
[[ -v v ]] && echo empty-but-set
