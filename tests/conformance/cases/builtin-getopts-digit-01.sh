set -- -1 -2x
while getopts 12: o; do echo "$o ${OPTARG-}"; done
