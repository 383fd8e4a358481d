ls() { echo shadowed; }
ls
command ls -d .
