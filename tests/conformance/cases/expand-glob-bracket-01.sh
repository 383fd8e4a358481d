touch a b c d
echo [ac] [!ac] [b-d]
