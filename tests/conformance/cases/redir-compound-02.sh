( echo sub; echo shell ) > f
cat f
