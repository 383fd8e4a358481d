( exec > f; echo in-sub )
echo outside
cat f
