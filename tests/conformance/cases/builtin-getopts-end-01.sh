set -- -a arg
getopts a o
getopts a o
echo "status $? [$o] $OPTIND"
