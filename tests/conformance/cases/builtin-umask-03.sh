umask 077
touch f
ls -l f | cut -c1-10
umask 022
touch g
ls -l g | cut -c1-10
