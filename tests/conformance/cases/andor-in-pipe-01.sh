false || echo a | tr a b
true && echo c | tr c d
