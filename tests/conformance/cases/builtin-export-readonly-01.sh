readonly X=1
export X
sh -c 'echo $X'
