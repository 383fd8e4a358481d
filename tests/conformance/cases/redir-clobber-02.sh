set -C
echo new > g
cat g
echo x >> g
cat g
echo y > /dev/null && echo devnull-ok
