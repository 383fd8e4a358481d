set -- -
echo "$# [$1]"
set - a b
echo "$# [$1]"
