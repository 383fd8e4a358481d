x=hello
echo ${x#h} ${x#?} ${x#[a-h]} ${x##[a-z]}
