f=file.tar.gz
echo ${f%.*} ${f%%.*}
