printf '#!/bin/sh\necho shebang $#\n' > s
chmod 755 s
./s a b
