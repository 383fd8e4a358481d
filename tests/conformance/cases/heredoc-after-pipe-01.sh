cat <<END |
piped
END
tr a-z A-Z
