set -o errexit
case $- in *e*) echo errexit-on;; esac
set +o errexit
set -o nounset
case $- in *u*) echo nounset-on;; esac
