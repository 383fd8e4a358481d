printf '%*d|%-*d|\n' 5 42 4 7
