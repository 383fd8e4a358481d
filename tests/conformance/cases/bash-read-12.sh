#!/bin/bash
read -r <<< "  spaced  "
echo "[$REPLY]"
IFS= read -r v <<< "  spaced  "
echo "[$v]"
