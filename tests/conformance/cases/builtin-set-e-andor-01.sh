set -e
f() { return 1; }
f || true
! f
echo reached
