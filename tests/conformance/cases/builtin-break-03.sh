for i in 1 2; do break 5; echo no; done
echo survived
