f() { trap 'echo from-func-trap' EXIT; }
f
echo after-f
