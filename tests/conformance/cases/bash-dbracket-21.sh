#!/bin/bash
touch exe; chmod +x exe
[[ -x exe ]] && echo executable
[[ -r exe && -w exe ]] && echo rw
[[ exe -ef exe ]] && echo same
