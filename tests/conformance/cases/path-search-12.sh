mkdir bin
printf '#!/bin/sh\necho empty-elem\n' > bin/e1
chmod +x bin/e1
cd bin
PATH=/nonexistent::
e1
