trap 'echo parent' EXIT
(echo sub; exit 0)
echo after-sub
