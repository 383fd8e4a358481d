x=`echo \`echo nested\``; y=$(echo $(echo deep))
