echo a=b
x=1 echo done
echo x=1
