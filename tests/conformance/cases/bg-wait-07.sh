{ echo one; echo two; } > f &
wait
cat f
