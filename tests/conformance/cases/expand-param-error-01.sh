unset u
echo before
echo ${u:?is unset}
echo not reached
