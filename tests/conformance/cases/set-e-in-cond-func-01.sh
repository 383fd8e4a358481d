set -e
f() { false; echo after-false; return 0; }
f && echo and-ok
echo end
