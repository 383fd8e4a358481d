#!/bin/bash
set -e
check() { [[ -n $1 ]] || return 1; echo "ok $1"; }
check a
check "" || echo "empty rejected"
echo end
