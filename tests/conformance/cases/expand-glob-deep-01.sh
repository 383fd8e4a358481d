mkdir -p a/b/c
touch a/b/c/d a/b/e
echo a/*/* a/*/*/*
