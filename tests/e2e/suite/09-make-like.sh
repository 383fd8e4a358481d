# change: echo plum >> data/words.txt
# rerun: sort -u data/words.txt
# outdirs: build
mkdir -p build
if [ ! -f build/uniq.txt ] || [ data/words.txt -nt build/uniq.txt ]; then
	sort -u data/words.txt > build/uniq.txt
	echo "built uniq"
fi
if [ ! -f build/count.txt ] || [ build/uniq.txt -nt build/count.txt ]; then
	wc -l < build/uniq.txt > build/count.txt
	echo "built count"
fi
cat build/count.txt
