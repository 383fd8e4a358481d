set -- "a"b 'c'"d"
echo $# $1 $2
