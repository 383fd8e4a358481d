{ echo 1; echo 2 >&2; echo 3 >&3; } >o1 2>o2 3>o3
cat o1 o2 o3
