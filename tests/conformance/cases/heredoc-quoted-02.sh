x=1
cat <<"END"
$x stays
END
cat <<E\ND
$x also
END
