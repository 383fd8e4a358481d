f() { printf '%s|' "$@"; echo; }
set -- 1 '2 3' ''
f "$@"
f $@
f "$*"
f "${@}"
