x=$(cat <<END
captured
text
END
)
echo "$x"
