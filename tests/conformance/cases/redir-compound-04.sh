for i in 1 2 3; do echo $i; done > f
tail -n 1 f
