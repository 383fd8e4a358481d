#!/bin/bash
mkdir -p proj/{src,doc}/{a,b}
ls proj proj/src
echo pre{,-mid}-post
