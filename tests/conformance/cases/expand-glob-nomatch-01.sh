echo *.none
echo no?match
