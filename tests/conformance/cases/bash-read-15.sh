#!/bin/bash
read -r first rest <<< "   a   b   c   "
echo "[$first][$rest]"
