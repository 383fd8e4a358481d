mkdir bin
printf '#!/bin/sh\necho hashed\n' > bin/t2
chmod +x bin/t2
PATH=$PWD/bin:$PATH
t2
rm bin/t2
t2 2>/dev/null
echo $?
