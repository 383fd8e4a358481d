cat <<-END
    spaces are kept
	END
