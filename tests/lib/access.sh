# access.sh - checks on a sandbox_run access record (sourced after e2e.sh):
# $root/acc holds the "LETTERS PATH" lines of the last record.

# kinds PATH: the access letters ("rxslaw") the last record holds for PATH
kinds() {
	awk -v p="$ws/$1" '$2 == p { print $1 }' "$root/acc"
}
# has NAME PATH LETTER / hasnt NAME PATH LETTER
has() {
	checks=$((checks + 1))
	case $(kinds "$2") in
	*"$3"*) ;;
	*) fail "$1: $2 recorded [$(kinds "$2")], want $3" ;;
	esac
}
hasnt() {
	checks=$((checks + 1))
	case $(kinds "$2") in
	"") fail "$1: $2 not recorded" ;;
	*"$3"*) fail "$1: $2 recorded [$(kinds "$2")], want no $3" ;;
	esac
}
