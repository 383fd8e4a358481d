command -p sh -c 'echo default-path'
