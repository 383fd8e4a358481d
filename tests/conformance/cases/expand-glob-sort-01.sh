touch B a C b 1 _
echo *
