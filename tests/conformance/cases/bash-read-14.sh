#!/bin/bash
exec 4<<< "from fd four"
read -u 4 -r line
echo "$line"
