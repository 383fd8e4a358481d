f() { echo in f; }
f
f
