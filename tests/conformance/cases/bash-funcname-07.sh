#!/bin/bash
cat > lib.sh <<"EOF"
where() { echo "${BASH_SOURCE[0]##*/} ${BASH_SOURCE[1]##*/}"; }
EOF
source ./lib.sh
where
echo "${#BASH_SOURCE[@]}"
