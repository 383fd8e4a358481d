cat <<END >f
to file
END
cat f
