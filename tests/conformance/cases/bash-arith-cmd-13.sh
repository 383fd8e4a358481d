#!/bin/bash
i=0
until ((i >= 3)); do echo "i$i"; ((i++)); done
