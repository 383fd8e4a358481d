IFS=', ' read -r a b c <<END
x, y ,z
END
echo "[$a][$b][$c]"
