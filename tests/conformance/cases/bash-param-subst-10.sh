#!/bin/bash
v=""
echo "${v:-default} ${v:=assigned} $v"
unset u
echo "${u-unset} ${u:+alt} ${#u}"
