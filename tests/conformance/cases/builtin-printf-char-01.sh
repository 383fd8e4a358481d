printf '%c' hello; echo
printf '%.1s' world; echo
