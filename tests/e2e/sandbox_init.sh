#!/bin/sh
# sandbox_init.sh - the sandbox's pid 1 is shark-init (docs/sandbox.md,
# "Process model"): a small program exec'd from libexec/shark/ beside the
# shark binary, for a shell's first run and for the prepared ones after
# it. A shark binary copied alone (nothing beside it), or one whose
# shark-init cannot be exec'd, clones pid 1 from itself instead and runs
# the same.
. "$(dirname "$0")/../lib/e2e.sh"

# The first command starts its own pid 1, the later ones prepared ones;
# a pipeline's stages run at once.
script='nocache cat /proc/1/comm
nocache cat /proc/1/comm
nocache sh -c "cat /proc/1/comm; exit 3"; echo "st=$?"
printf "a\nb\n" | nocache sort -r | nocache tr a-z A-Z
nocache sh -c "kill -TERM \$\$"; echo "st=$?"'

expected() {
	printf '%s\n%s\n%s\nst=3\nB\nA\nst=143' "$1" "$1" "$1"
}

sk "$script"
expect_out "exec'd pid 1" "$(expected shark-init)"

# Copied alone: no libexec/shark/shark-init beside it.
mkdir -p "$root/alone/bin"
cp "$SHARK" "$root/alone/bin/shark"
SHARK=$root/alone/bin/shark sk "$script"
expect_out "no shark-init: cloned pid 1" "$(expected shark)"

# There, but not executable: its exec fails, and the run goes on without it.
mkdir -p "$root/noexec/bin" "$root/noexec/libexec/shark"
cp "$SHARK" "$root/noexec/bin/shark"
cp "$(dirname "$SHARK")/../libexec/shark/shark-init" "$root/noexec/libexec/shark/shark-init"
chmod 644 "$root/noexec/libexec/shark/shark-init"
SHARK=$root/noexec/bin/shark sk "$script"
expect_out "shark-init not executable: cloned pid 1" "$(expected shark)"

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
