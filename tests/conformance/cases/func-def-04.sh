f() if true; then echo if-body; fi
f
