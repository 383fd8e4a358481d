[[ 1 == 1 ]] 2>/dev/null
echo "status $?"
source /dev/null 2>/dev/null
echo "status $?"
let x=1 2>/dev/null
echo "status $?"
