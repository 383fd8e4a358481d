mkdir bin
mkdir bin/tool
PATH=$PWD/bin:$PATH
tool 2>/dev/null
echo $?
