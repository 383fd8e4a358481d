x=a
echo "${x:+}" "${u:-}" end
