cat <<A | cat - <<B
ignored by the second cat
A
second body
B
