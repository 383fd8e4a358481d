touch ./-x ./-y a
echo *
set -- *
echo $#
