# change: printf 'u301\tnorth\t99\n' >> data/people.tsv
# rerun: sqlite3 people.db
# 2nd-miss: rm -f people.db (run 1 found no file to remove, run 2 removes the one sqlite3 made: a different effect)
rm -f people.db
sqlite3 people.db < src/load.sql
sqlite3 people.db 'SELECT region, COUNT(*), MAX(age) FROM people GROUP BY region ORDER BY region;'
