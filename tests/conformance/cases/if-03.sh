x=2
if [ $x = 1 ]; then echo one
elif [ $x = 2 ]; then echo two
elif [ $x = 3 ]; then echo three
else echo other
fi
