#!/bin/bash
echo a{b,c}d{e,f}
echo {x,y,z}{1..2}
echo {{a,b},c}
