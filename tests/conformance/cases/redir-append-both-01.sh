echo one >> f 2>>f
ls f
cat f
