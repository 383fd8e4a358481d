trap "" BOGUS
echo "bogus=$?"
trap "" 99
echo "99=$?"
trap x
echo "x=$?"
trap "echo h" HUP
trap HUP
trap
echo end
