f() { readonly FR=inside; }
f
echo $FR
