set -- a b
set -- "x$@y"
echo $#
for i; do echo "<$i>"; done
