f() { :; }
hash f echo cd
echo "status $?"
command -v hash
