# shell: bash
set -o pipefail
yes | head -n 1 >/dev/null
echo $?
