if true; then
	cat <<-END
	tab indented
		two tabs
	END
fi
