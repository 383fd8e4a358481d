#!/bin/bash
counter=0
function bump() { ((counter++)); }
bump; bump; bump
echo $counter
