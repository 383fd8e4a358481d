cat <<END
runs to the end of the file
