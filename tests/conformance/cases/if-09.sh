if true
then
echo newline-form
else
echo no
fi
