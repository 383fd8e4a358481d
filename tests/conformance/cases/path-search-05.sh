mkdir bin
printf '#!/bin/sh\necho v1\n' > bin/t
chmod +x bin/t
PATH=$PWD/bin:$PATH
t
printf '#!/bin/sh\necho v2\n' > bin/t
t
