echo 'single'"double"unquoted\ esc
x=X
echo 'a'$x"b"'c'"$x"
