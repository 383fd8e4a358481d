echo before
eval() { echo mine; }
echo after
