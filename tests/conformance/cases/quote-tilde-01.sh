HOME=/home/user
echo ~ "~" '~' \~ ~/x "~/x"
