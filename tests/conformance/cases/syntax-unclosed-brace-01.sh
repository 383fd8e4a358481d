f() {
echo f
