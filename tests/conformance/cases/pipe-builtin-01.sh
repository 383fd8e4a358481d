echo hi | { read l; echo "got $l"; }
