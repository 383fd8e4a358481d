# shell: bash
set -o pipefail
if false | true; then echo yes; else echo no; fi
