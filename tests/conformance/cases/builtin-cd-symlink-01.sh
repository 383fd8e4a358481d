mkdir -p real/sub
ln -s real link
cd link
basename "$(pwd)"
basename "$(pwd -P)"
cd -P .
basename "$PWD"
cd ..
cd -P link/sub
basename "$(dirname "$PWD")"
cd -L ../../link
basename "$PWD"
