mkdir bin
printf '#!/bin/sh\necho cwd-tool\n' > bin/here
chmod +x bin/here
cd bin
PATH=
here 2>/dev/null
echo $?
