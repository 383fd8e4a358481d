cd nosuchdir 2>/dev/null || echo failed
basename "$PWD"
