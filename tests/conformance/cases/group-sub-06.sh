(
echo multi
echo line
)
