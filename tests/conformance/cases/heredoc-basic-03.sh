cat <<END
backslash \$x \` \\ \a
continued \
line
"quotes" 'kept'
END
