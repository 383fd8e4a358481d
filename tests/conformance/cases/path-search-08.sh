mkdir bin
printf '#!/bin/sh\necho relative\n' > bin/rt
chmod +x bin/rt
bin/rt
./bin/rt
