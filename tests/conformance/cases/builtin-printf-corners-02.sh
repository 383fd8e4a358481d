printf "%d|" "" 0x1f 010 "'a" -5 " 7"
echo
printf "%s|%s|\n" a
printf "%u\n" -1
printf "%d\n" 99999999999999999999
echo "$?"
printf "%i\n" 1.5
echo "$?"
printf "%c%c\n" abc d
printf "x\n" extra
