echo $( # comment
echo after-comment
)
