cat <> newfile
ls newfile
