for i in do done; do echo $i; done
