# change: sed -i 's/^3,/3000,/' data/sales.csv
# rerun: python3 src/job.py
# outdirs: out
python3 src/job.py > job.log 2>&1
echo "status $?"
cat job.log
sh -c 'echo step1; echo warn >&2; echo step2' >> job.log 2>&1
tail -n 3 job.log
