echo first;
echo second
