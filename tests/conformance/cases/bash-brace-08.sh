#!/bin/bash
x=1
echo {$x..3}
echo "{1..3}"
echo \{1..3\}
