x=abc
echo $x ${x} "${x}def" ${x}def $xdef.
