x=path/to/file.txt
base=${x##*/}
dir=${x%/*}
echo "$dir" "$base" "${base%.txt}"
