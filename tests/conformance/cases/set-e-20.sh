set -e
echo $(false; echo subst-continues)
echo after
