set -- x y
printf '%s\n' "$#" "${#}" "$@"
