set -v 2>/dev/null
echo verbose
