cat <<A
$(cat <<B
inner
B
)
A
