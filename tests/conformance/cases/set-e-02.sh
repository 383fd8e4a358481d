set -e
false || echo or-rescues
echo still here
