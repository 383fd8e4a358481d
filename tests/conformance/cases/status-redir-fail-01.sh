echo x > nodir/f
[ $? -ne 0 ] && echo nonzero
