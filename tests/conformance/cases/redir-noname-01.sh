> empty
wc -c < empty | tr -d ' '
