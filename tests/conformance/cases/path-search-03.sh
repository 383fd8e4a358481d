mkdir a b
printf 'not executable\n' > a/t
printf '#!/bin/sh\necho exec b\n' > b/t
chmod 644 a/t
chmod 755 b/t
PATH=$PWD/a:$PWD/b:$PATH
t
