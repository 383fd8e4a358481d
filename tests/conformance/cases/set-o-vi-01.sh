set -o vi
echo "$? $-"
set -o emacs
echo "$? $-"
set +o vi
echo "$-"
set -o | grep -E "^(vi|emacs) "
set +o | grep -E " (vi|emacs)$"
set -V
echo "$-"
set -E
echo "$-"
