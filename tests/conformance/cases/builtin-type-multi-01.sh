type true cd 2>/dev/null
