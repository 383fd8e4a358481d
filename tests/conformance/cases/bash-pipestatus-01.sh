#!/bin/bash
false | true | (exit 3)
echo "${PIPESTATUS[@]} $?"
true
echo "${PIPESTATUS[*]}"
(exit 4)
echo "${PIPESTATUS[0]}"
