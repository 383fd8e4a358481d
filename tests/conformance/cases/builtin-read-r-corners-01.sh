printf "a:b:\n" | { IFS=: read -r a b; echo "[$a][$b]"; }
printf "a::\n" | { IFS=: read -r a b; echo "[$a][$b]"; }
printf "a:b::c:\n" | { IFS=: read -r a b c d; echo "[$a][$b][$c][$d]"; }
printf "a:b:c:\n" | { IFS=: read -r a b; echo "[$a][$b]"; }
printf "a:b: \n" | { IFS=": " read -r a b; echo "[$a][$b]"; }
printf "a:b::\n" | { IFS=: read -r a b; echo "[$a][$b]"; }
