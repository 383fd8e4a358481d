mkdir bin
printf 'echo in-path "$1"\n' >bin/tool
chmod +x bin/tool
PATH=$PWD/bin:$PATH
tool one
echo "status $?"
