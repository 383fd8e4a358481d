times > f
[ -s f ] && echo has-output
