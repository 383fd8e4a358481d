echo 'a\tb' | od -c | head -1
f() { echo ok; }
f
echo -e 'x'
