set -o | grep -E '^(errexit|noglob|nounset|noclobber|xtrace)[[:space:]]' | sed 's/[[:space:]]\{1,\}/ /' | sort
