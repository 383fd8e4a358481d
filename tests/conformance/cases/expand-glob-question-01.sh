touch a1 a22 b1
echo a? ?1
