echo \
continued
echo one \
  two \
  three
