set -- a b c
for i; do set -- x; echo $i; done
echo $#
