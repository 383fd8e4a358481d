{ echo a
