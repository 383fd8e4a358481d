echo 'echo args: $#' > inc.sh
set -- a b c
. ./inc.sh
