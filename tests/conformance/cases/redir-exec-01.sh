echo before
exec > nodir/f
echo not reached
