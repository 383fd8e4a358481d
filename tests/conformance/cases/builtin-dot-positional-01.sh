echo 'echo "$# $1"' > inc
f() { . ./inc; }
f x y
