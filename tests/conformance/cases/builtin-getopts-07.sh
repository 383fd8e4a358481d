set -- -cfoo
getopts c: o
echo "$o $OPTARG"
