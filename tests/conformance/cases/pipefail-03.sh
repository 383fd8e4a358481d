# shell: bash
set -o pipefail
set -e
true | false | true
echo not reached
