touch f1 f2
x=f
echo ${x}* "${x}"* $(echo f)*
