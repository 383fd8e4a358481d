exec 3>&-
(echo x >&3) 2>/dev/null || echo failed
