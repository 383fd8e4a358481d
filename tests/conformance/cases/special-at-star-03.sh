set --
for i in "$@"; do echo "<$i>"; done
echo count ${#}
set -- "$@"
echo $#
