printf '#!/bin/sh\n' > x
chmod 755 x
test -x x && echo executable
chmod 644 x
test -x x || echo not-executable
