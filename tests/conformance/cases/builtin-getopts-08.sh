set -- file -a
getopts a o
echo status $? $OPTIND
