set -- nothing*here
echo $# "$1"
