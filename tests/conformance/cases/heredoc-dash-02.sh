cat <<-'END'
	$notexpanded
	END
