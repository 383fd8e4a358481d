mkdir d
touch d/f
echo d*f
echo d/*
