f() { echo one; }
( f() { echo two; }; f )
f
