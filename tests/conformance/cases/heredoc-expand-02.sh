x='a   b'
cat <<END
$x
${x:-d} ${y:-default}
END
