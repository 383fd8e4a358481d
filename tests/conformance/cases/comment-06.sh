echo a\
#b
echo c # \
echo d
