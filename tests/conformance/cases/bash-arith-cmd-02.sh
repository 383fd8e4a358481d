#!/bin/bash
i=0
((i++))
echo $i
((i += 5))
echo $i
((i--))
echo $i
((++i))
echo $i
