trap 'echo cleanup; exit 7' EXIT
echo main
