cat <<EO\
F
heredoc body
EOF
