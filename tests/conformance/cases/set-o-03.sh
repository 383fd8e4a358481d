set -ef
set +o | grep -E 'errexit|noglob'
