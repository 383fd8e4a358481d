read a b <<END
one two three
END
echo "$a|$b"
