#!/bin/sh
# demo.sh BUILD - shark's main job in a minute (filled in as modules land).
set -eu
BUILD=${1:?usage: demo.sh BUILD}
"$BUILD/bin/shark" -c 'echo hello' || true
