printf -- '%s\n' dash-dash
x=$(printf '%s' value)
echo "$x"
