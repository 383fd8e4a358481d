# shell: bash
set -o pipefail
set +o pipefail
false | true
echo $?
