set -- -ab -c val
while getopts abc: o; do echo "$o ${OPTARG-}"; done
echo $OPTIND
