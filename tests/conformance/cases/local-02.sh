f() { local y=1; g; }
g() { echo "g sees ${y-unset}"; }
f
echo "outside ${y-unset}"
