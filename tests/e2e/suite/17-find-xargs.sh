# change: echo new > logs/day5.log
# rerun: find logs
find logs -name '*.log' | sort | xargs wc -l
find logs -type f -newer data/a.txt | wc -l > /dev/null
