cat <<END
a\\b \$ \\$ \`
\x \" \'
END
