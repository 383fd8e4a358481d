exit 3 | true
echo survived $?
