set -- -b
getopts b: o 2>/dev/null
echo "[$o] [${OPTARG-unset}]"
set -- -b
OPTIND=1
getopts :b: o
echo "[$o] [$OPTARG]"
