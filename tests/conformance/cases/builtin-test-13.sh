touch -t 200001010000 a
touch b
[ b -nt a ] && echo newer
[ a -ot b ] && echo older
