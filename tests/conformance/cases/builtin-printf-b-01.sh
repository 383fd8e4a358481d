printf '%b|' 'a\tb' 'c\\d' 'e\0101'; echo
printf '%b' 'stop\chere'; echo
