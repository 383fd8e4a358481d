(echo a
