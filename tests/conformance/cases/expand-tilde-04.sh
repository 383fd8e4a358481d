HOME=/h/me
unset u
echo ${u:-~/d}
