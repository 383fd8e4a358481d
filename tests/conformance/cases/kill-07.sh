kill -l 137
kill -l 143
