set -e
case a in a) echo a ;; esac >/nonexistent/dir/file
echo not reached
