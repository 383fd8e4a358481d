#!/bin/bash
{ echo a; exit 3; } | cat > /dev/null
echo "${PIPESTATUS[@]}"
(exit 5) | (exit 6)
echo "${PIPESTATUS[1]} ${PIPESTATUS[0]}"
