printf "%s\n" "a\\b c\\" | { read -r x y; echo "[$x][$y]"; }
printf "%s\n" "a\\" "b" | { read x; echo "[$x]"; }
printf "%s\n" "a\\" "b" | { read -r x; echo "[$x]"; }
printf "%s\n" "a\\:b:" | { IFS=: read x y; echo "[$x][$y]"; }
printf "x" | { read -r v; echo "$? [$v]"; }
printf "%s\n" "  lead  trail  " | { read -r x; echo "[$x]"; }
