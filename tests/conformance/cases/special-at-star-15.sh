set -- 'one two'
case "$@" in 'one two') echo whole;; esac
case $* in 'one two') echo star;; esac
