#!/bin/bash
i=0
((i++)); echo "status $?"
((i++)); echo "status $?"
j=0
((j)); echo "status $?"
