#!/bin/bash
hello() { echo "hello from ${FUNCNAME[0]}"; }
export -f hello
cat > s.sh <<"EOF"
#!/bin/bash
hello
EOF
chmod +x s.sh
./s.sh
