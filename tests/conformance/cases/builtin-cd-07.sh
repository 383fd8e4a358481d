mkdir -p a/x b
top=$PWD
CDPATH=$top/a
cd x > "$top/out"
basename "$PWD"
sed "s|^$top|TOP|" "$top/out"
