f() { local x=$1; shift; echo "$x $#"; }
f a b c
