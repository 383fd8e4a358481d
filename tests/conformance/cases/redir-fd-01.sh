echo to3 3>f >&3
cat f
