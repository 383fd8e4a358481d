{ read a; read b; echo "$b$a"; } <<END
x
y
END
