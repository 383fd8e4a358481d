x=world
cat <<END
hello $x
sum $((1+2))
cmd $(echo sub)
END
