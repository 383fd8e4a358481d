test 1 -eq 1 && echo eq
test 1 -ne 2 && echo ne
test 2 -gt 1 && echo gt
test 2 -ge 2 && echo ge
test 1 -lt 2 && echo lt
test 3 -le 2 || echo not-le
