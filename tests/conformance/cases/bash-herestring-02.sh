#!/bin/bash
read -r a b <<< "one two three"
echo "$a|$b"
tr a-z A-Z <<< abc
cat <<<'$x literal'
