command : && echo colon-ok
command set -- a b
echo $#
