echo \# not a comment
echo a\;b a\|b a\&b a\>b a\<b
