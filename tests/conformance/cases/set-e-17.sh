set -e
(set +e; false; echo sub-continues)
echo parent-continues
