trap 'echo usr1' USR1
kill -USR1 $$
kill -s USR1 $$
echo end
