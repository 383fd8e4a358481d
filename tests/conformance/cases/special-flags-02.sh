set -f
case $- in *f*) echo f;; esac
set -u
case $- in *u*) echo u;; esac
set +fu
case $- in *[fu]*) echo still;; *) echo cleared;; esac
