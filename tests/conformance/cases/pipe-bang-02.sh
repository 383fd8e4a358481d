if ! grep -q x <<END
abc
END
then echo no-x; fi
