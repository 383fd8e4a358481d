set -e
! true
echo negation-ok
