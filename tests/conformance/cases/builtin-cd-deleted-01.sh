mkdir gone
cd gone
rmdir ../gone
p=$(pwd)
echo "pwd=$? ${p##*/}"
pwd -P
echo "pwd -P=$?"
cd .
echo "cd=$?"
echo "${PWD##*/}"
