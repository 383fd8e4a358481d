trap 'echo in sub' EXIT
(echo subshell)
echo parent
