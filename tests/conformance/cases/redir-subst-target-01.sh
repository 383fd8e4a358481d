f=$(echo target)
echo data > "$f.txt"
cat target.txt
