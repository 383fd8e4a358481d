f() { echo f; }
(f() { echo sub; }; f)
f
