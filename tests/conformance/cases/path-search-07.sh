echo() { printf 'func-echo\n'; }
echo x
command echo builtin-echo
