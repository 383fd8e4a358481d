f() {
	while read -r l; do echo "<$l>"; done <<-END
	one
	two
	END
}
f; f
