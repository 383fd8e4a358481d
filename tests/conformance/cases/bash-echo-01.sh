#!/bin/bash
echo 'a\tb'
echo -e 'a\tb'
echo -e 'x\ny'
echo -E 'no\nesc'
echo -n no-newline; echo
echo -ne 'both\n'
