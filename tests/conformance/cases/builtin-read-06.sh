printf 'a\nb\n' > f
{ read l1; read l2; } < f
echo $l2$l1
