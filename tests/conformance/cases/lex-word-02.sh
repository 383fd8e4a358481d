echo {a,b} {} '{' }
echo [ ] !
