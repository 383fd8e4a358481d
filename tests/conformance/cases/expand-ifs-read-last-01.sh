IFS=: read a b <<END
1:2:3:
END
echo "[$a][$b]"
