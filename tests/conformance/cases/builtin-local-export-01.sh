f() { local x=1; export x; sh -c 'echo "[$x]"'; }
f
sh -c 'echo "[${x-unset}]"'
