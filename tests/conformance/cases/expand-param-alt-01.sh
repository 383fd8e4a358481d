x=set
unset u
e=
echo "[${x:+alt}]" "[${u:+alt}]" "[${e:+alt}]"
echo "[${x+alt}]" "[${u+alt}]" "[${e+alt}]"
