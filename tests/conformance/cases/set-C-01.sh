echo 1 > f
set -C
(echo 2 > f) 2>/dev/null || echo refused
cat f
