# change: echo fig >> data/words.txt
# rerun: src/wrap.sh
src/wrap.sh -u data/words.txt
exec 3>&1
exec > run.log 2>&1
sh -c 'echo inside; echo problem >&2'
src/wrap.sh -r data/a.txt
exec 1>&3 2>&1
cat run.log
