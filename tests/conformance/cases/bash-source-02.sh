#!/bin/bash
printf 'f() { echo "from lib"; }\nreturn 4\necho no\n' > lib.sh
source ./lib.sh
echo "status $?"
f
