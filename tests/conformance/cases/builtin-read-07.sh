read a b c <<END
only
END
echo "[$a][$b][$c]"
