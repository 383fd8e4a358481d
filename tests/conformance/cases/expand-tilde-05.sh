echo ~root | sed 's|^/.*|absolute|'
echo ~nosuchuserxyz
