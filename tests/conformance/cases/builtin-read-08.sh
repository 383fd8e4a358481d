IFS=, read -r a b <<END
x,y,z
END
echo "$a $b"
