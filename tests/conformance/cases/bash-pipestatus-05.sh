#!/bin/bash
set -o pipefail
false | true
echo "$? ${PIPESTATUS[*]}"
true | true
echo "$? ${PIPESTATUS[*]}"
