touch a b
set -o noglob
echo [ab]
set +o noglob
echo [ab]
