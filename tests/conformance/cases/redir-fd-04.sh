{ echo a >&3; } 3>f
cat f
