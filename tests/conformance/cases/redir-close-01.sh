echo closed >&-
echo status $?
