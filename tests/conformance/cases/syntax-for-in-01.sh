for i in a b c
echo $i
done
