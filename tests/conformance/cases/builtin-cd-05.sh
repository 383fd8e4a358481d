mkdir -p real/sub
ln -s real link
cd link/sub
basename "$PWD"
cd ..
basename "$PWD"
cd -P .
basename "$PWD"
