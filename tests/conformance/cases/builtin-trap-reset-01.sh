trap 'echo int' INT
trap - INT
trap
echo listed-nothing
