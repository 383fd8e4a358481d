| echo a
