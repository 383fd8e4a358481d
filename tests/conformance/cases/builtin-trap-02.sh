trap 'echo got TERM; exit 1' TERM
kill -TERM $$
echo not reached
