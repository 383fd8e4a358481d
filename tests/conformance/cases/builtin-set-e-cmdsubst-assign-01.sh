set -e
x=$(echo ok)
echo $x
y=$(false) || echo assign-or
echo end
