	cat <<-'END' | sed 's/^/[/'
		$a
	x
		END
