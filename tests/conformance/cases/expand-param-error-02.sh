x=ok
echo ${x:?unused}
e=
echo "${e?fine}" done
