[ = ] && echo eq-alone
[ -n ] && echo n-alone
[ ! ] && echo bang-alone
[ ! = ] || echo weird
