cat <<END
line 1
line 2
END
echo after
