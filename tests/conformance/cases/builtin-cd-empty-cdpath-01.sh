mkdir -p a/sub
cd a
CDPATH=
cd sub
basename "$PWD"
