eval 'for i in 1 2; do echo $i; done'
eval 'f() { echo def; }'
f
