mkdir -p a/b
cd a/b
basename "$PWD"
cd ..
basename "$(pwd)"
