#!/bin/bash
mkdir lib
echo 'helper() { echo "helper $1"; }' > lib/h.sh
source lib/h.sh
helper x
source ./nonexistent.sh 2>/dev/null
echo "status $?"
