#!/bin/bash
x=hello
[[ $x == hello ]] && echo eq
[[ $x != world ]] && echo ne
[[ $x == h* ]] && echo glob
[[ $x == "h*" ]] || echo quoted-literal
