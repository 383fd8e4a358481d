getopts a o -a -a
echo $o $OPTIND
getopts a o -a -a
echo $o $OPTIND
getopts a o -a -a
echo status $? $OPTIND
