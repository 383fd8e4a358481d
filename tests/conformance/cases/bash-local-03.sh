#!/bin/bash
outer() { local v=outer; inner; echo "outer sees $v"; }
inner() { echo "inner sees $v"; v=modified; }
outer
