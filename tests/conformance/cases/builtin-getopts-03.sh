set -- -x
while getopts a o 2>/dev/null; do echo "opt=$o arg=${OPTARG-none}"; done
