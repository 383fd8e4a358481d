cat <<END
no terminator line
END-not
END
echo ok
