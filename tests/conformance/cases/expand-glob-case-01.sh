touch Abc abc
echo [A]*
echo a*
