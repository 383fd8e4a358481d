command -v /bin/sh
command -v ./nosuch || echo missing
