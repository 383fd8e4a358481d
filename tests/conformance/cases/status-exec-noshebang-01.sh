printf 'echo no shebang\n' > s
chmod +x s
./s
echo $?
