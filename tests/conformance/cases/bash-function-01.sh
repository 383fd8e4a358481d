#!/bin/bash
function hello {
	echo "hello $1"
}
hello world
function two() { echo two; }
two
