set -e
if ! false; then echo negated-cond; fi
while ! true; do :; done
echo done
