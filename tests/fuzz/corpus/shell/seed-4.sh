case $x in a*|b) echo A;; *) echo B;; esac
