if if true; then false; fi; then echo a; else echo b; fi
