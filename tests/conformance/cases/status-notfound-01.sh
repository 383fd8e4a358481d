nosuchcommand_xyz
echo $?
