#!/bin/bash
echo {a..e..2} {10..1..3}
echo file{1..3}.txt
echo {x,y}{1,2}
