(cd / && pwd)
basename "$(pwd)"
