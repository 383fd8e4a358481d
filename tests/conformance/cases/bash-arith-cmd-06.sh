#!/bin/bash
set -e
((1))
echo one
((0)) || echo guarded
echo two
