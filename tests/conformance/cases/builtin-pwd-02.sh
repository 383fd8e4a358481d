mkdir real
ln -s real lnk
cd lnk
basename "$(pwd)" "$(pwd -P)" 2>/dev/null
basename "$(pwd -P)"
