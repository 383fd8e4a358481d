mkdir d
top=$PWD
cd d
cd -  >/dev/null
[ "$PWD" = "$top" ] && echo back
[ "$OLDPWD" = "$top/d" ] && echo oldpwd
