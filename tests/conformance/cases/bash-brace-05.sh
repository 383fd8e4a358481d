#!/bin/bash
echo {-2..2}
echo {z..x}
echo {1..2}{a..b}
x=A; echo {"$x",b}
