x=if; echo $x
for if in a; do echo $if; done
