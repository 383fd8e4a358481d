if false; then echo 1; else echo 2; fi
