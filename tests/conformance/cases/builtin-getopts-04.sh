set -- -x -b
while getopts :ab: o; do echo "opt=$o arg=$OPTARG"; done
