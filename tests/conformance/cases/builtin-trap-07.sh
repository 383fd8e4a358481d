trap 'echo trapped' TERM
trap
