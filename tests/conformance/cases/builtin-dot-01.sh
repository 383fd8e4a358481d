echo 'x=from-dot; echo sourced' > inc.sh
. ./inc.sh
echo $x
