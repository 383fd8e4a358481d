echo -- a
echo -x
echo -nn x
