set -e
{ echo in; } >/nonexistent/dir/file || echo "caught $?"
if { :; } </nonexistent/file; then echo yes; else echo "no $?"; fi
echo reached
