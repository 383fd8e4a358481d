mkdir -p a/b
ln -s a/b lb
cd lb
cd ..
ls
cd "$OLDPWD"
cd -P ..
ls
