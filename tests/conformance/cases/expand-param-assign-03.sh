unset u
: ${u:=one two}
echo "$u"
set -- $u
echo $#
