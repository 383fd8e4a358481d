mkdir -p real
ln -s real link
cd -P link
basename "$PWD"
basename "$(pwd -P)"
