trap 'echo exit' EXIT
trap - EXIT
echo no trap
