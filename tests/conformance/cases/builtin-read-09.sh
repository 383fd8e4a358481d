read REPLY_VAR <<END
   padded   
END
echo "[$REPLY_VAR]"
