while IFS= read -r line; do echo "[$line]"; done <<'END'
  keep spaces  
	tab
END
