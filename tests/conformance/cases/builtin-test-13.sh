touch a
sleep 0.01
touch b
[ b -nt a ] && echo newer
[ a -ot b ] && echo older
