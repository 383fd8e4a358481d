f() { echo from-func; }
f > out
cat out
g() { echo body; } > gout
g
cat gout
