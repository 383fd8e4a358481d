x=early
f() {
	cat <<END
x is $x
END
}
x=late
f
