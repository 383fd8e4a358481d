mkdir d
cd d/
basename "$PWD"
cd ./.././d/..
[ -d d ] && echo at-top
