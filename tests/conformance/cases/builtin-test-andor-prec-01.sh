test 1 = 2 -a 1 = 1 -o 2 = 2 && echo true1
test 1 = 1 -o 1 = 2 -a 1 = 2 && echo true2
