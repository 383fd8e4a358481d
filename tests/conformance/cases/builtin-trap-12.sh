trap 'echo got 15' 15
kill -15 $$
trap 'echo exit0' 0
echo end
