touch c.txt a.txt b.txt d.log
echo *.txt
echo *
