e=
(: ${e:?}) 2>/dev/null
echo $?
