{
echo multi
echo line
}
