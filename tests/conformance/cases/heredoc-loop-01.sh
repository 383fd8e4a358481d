for i in 1 2; do
cat <<END
item $i
END
done
