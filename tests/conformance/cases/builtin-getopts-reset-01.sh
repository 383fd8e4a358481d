f() { OPTIND=1; while getopts ab o "$@"; do printf '%s' "$o"; done; echo; }
f -a -b
f -b
