#!/bin/bash
q=$(printf "%q " a "b c" "d'e")
eval "set -- $q"
echo "$#"
printf "[%s]" "$@"
echo
