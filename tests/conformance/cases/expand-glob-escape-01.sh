touch 'a*' ab
echo a\*
echo 'a'*
