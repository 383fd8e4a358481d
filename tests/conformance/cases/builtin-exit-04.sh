trap 'echo trap ran' EXIT
exit 5
