x=$(echo a # a comment with )
)
echo $x
