if true; then else echo a; fi
