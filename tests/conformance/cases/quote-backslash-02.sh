echo a\ b\ \ c
set -- a\ b c
echo $#
