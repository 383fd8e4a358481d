cd /
bin/sh -c 'echo relative-path-with-slash'
