#!/bin/bash
cat > lib.sh <<"EOF"
echo "lib: F=${FUNCNAME[*]} S=${BASH_SOURCE[*]}"
lf() { echo "lf: F=${FUNCNAME[*]} S=${BASH_SOURCE[*]}"; }
EOF
f() { source ./lib.sh; lf; }
f
source ./lib.sh
lf
