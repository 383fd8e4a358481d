echo a>f;cat f
echo b>>f;cat f
cat<f
