#!/bin/bash
touch f
mkdir d
[[ -f f ]] && echo file
[[ -d d ]] && echo dir
[[ -e nope ]] || echo missing
[[ -f d ]]; echo $?
[[ -s f ]]; echo $?
