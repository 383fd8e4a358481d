echo $ "$" a$ $.
echo '$'x
