set -o noclobber
echo new > f && echo created
echo over >| f
cat f
set +o noclobber
echo again > f
cat f
