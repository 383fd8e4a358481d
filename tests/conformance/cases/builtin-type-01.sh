type echo
type ls
type if
