x=1
cat <<END
$(echo "nested $x" | tr a-z A-Z) and `echo back`
${x:+alt} ${#x} $((x+1))
END
