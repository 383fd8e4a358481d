f() { echo "$0"; }
f x
