set -C
case $- in *C*) echo C;; esac
set -x 2>/dev/null
case $- in *x*) echo x;; esac 2>/dev/null
