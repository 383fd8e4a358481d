exec 5>f
echo first >&5
echo second >&5
exec 5>&-
cat f
