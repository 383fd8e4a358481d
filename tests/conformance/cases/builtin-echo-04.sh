echo 'a\tb' | od -c | sed -n 1p | sed 's/  */ /g'
echo 'c\cd'
echo 'x\ny'
