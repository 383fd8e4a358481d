#!/bin/bash
touch .hidden visible
shopt -s dotglob
for f in *; do echo "$f"; done
shopt -u dotglob
for f in *; do echo "$f"; done
