#!/bin/bash
v="hello World"
echo "${v^^}"
echo "${v,,}"
echo "${v^}"
u=ABC
echo "${u,}"
echo "${u,,}"
