for i in a b; echo $i; done
