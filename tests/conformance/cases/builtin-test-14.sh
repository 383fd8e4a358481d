[ "$(echo x)" = x ] && echo subst
x=''
[ -z "$x" ] && echo empty-var
[ "$x" = "" ] && echo equals-empty
