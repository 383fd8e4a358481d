x=abc
echo ${x%z} ${x%%} ${x%abc}x ${x%?}
