# shell: bash
set -o pipefail
(exit 3) | (exit 4) | true
echo $?
(exit 3) | true | (exit 0)
echo $?
