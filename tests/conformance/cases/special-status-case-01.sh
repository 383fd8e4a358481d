false
case x in y) ;; esac
echo $?
false
case $? in 1) echo saw-1;; esac
