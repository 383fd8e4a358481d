IFS=: read -r a b c <<END
1:2:3:4
END
echo "$a|$b|$c"
