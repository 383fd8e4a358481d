echo `echo \`echo nested\``
echo `echo \\\`echo n2\\\``
