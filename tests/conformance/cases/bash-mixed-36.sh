#!/bin/bash
seq 5 | paste -sd+ - | bc 2>/dev/null || echo $(( $(seq 5 | paste -sd+ -) ))
