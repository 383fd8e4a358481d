#!/bin/bash
[[ $OSTYPE == linux* ]] && echo linux
[[ -n $HOSTTYPE && $MACHTYPE == *linux* ]] && echo machine
