#!/bin/bash
pat=l
v=hello
echo "${v//$pat/L}"
echo "${v/"l"/X}"
r="[r]"
echo "${v/o/$r}"
