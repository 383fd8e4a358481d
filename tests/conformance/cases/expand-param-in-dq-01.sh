x=abc
echo "${x#a}" "${x%"c"}" "${x:+"[$x]"}"
