HOME=/h/me
echo a~ "~" x=~
