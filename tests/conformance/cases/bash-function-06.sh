#!/bin/bash
function greet {
	local name=${1:-world}
	echo "hello $name"
}
greet
greet you
function noparen() { echo np; }
noparen
