tr a-z A-Z <<END | sed 's/^/> /'
one
two
END
