echo "'inside double'" '"inside single"'
echo "a'b" 'c"d'
