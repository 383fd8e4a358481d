set -- '' "" a
echo $#
for a; do echo "[$a]"; done
