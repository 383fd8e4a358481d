echo $(echo '(' ; echo ')')
echo "$( (echo sub) )"
