#!/bin/bash
s="aXbXc"
echo "${s/X}"
echo "${s//X}"
echo "${s/#a/A}"
echo "${s/%c/C}"
echo "${s/#X/no}"
