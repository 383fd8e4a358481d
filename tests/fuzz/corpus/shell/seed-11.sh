echo 'single' "double \$x \`" \\ \\n$@ $* $# $? $$ $! $- $0 ${10}
