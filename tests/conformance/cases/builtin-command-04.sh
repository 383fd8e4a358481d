command -V echo
command -V ls
