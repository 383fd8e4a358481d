x=$(seq 1 20000)
echo ${#x}
set -- $x
echo $# ${20000}
