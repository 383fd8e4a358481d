echo builtin > f
pwd > p
basename "$(cat p)"
cat f
