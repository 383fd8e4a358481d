x=abcabc
y='b*'
echo "${x%$y}" "${x%"$y"}" "${x%%$y}"
