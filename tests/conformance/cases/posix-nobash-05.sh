x=hello
echo "${x}" ${#x}
set -- a b
echo $#
echo '[[' '(('
