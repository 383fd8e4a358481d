f() { case $- in *u*) echo u-on;; *) echo u-off;; esac; }
f
set -u
f
