read -r a b <<END
  lead   trail  
END
echo "[$a][$b]"
