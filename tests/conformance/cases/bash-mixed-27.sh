#!/bin/bash
case "$(uname -s)" in
Linux) echo linux ;;
*) echo other ;;
esac
[[ $OSTYPE == linux* ]] && echo ostype
