trap 'echo sig' INT TERM
kill -INT $$
kill -TERM $$
echo end
