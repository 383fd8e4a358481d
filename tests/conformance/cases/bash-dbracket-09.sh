#!/bin/bash
[[ a.c =~ a\.c ]] && echo escaped
[[ abc =~ a.c ]] && echo dot
[[ abc =~ "a.c" ]] || echo quoted-dot
[[ x =~ ^(x|y)$ ]] && echo alt
