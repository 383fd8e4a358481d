f() { echo v1; }
f() { echo v2; }
f
