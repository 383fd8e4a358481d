unset u
echo ${u:-~} | sed 's|^/.*|abs|'
echo "${u:-*}"
touch f
echo ${u:-*}
