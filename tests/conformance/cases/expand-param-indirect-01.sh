name=target
target=found
eval "echo \$$name"
eval "echo \${$name}"
