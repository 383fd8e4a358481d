exec 2>&1
PS4='>> '
set -x
echo traced
set +x
