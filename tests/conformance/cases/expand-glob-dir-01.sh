mkdir -p d1/sub d2
touch d1/f d2/g
echo */
echo d*/*
