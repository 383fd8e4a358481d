printf 'echo hi\n' > script
chmod 644 script
./script
echo $?
