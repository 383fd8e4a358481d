set -e
eval 'false || echo rescued'
eval false
echo not reached
