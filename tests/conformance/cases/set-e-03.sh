set -e
if false; then echo no; fi
echo if-condition-ok
