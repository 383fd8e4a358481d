( echo
