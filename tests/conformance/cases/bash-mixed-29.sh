#!/bin/bash
f() { return 7; }
f || echo "f failed with $?"
if ! f; then echo "negated"; fi
f; rc=$?
(( rc == 7 )) && echo "rc seven"
