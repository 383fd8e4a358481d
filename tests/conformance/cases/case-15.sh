v=hello
case $v in h*o) echo hstaro;; esac
case "$v" in "h"*) echo quoted-prefix;; esac
