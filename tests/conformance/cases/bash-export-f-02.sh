#!/bin/bash
function two { local a=1
  if [[ $a == 1 ]]; then echo "two $a"; fi
}
export -f two
bash -c two
cat > child.sh <<"EOF"
#!/bin/bash
two
EOF
bash ./child.sh
