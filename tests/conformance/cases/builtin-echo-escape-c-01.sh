echo 'a\cb'; echo next
