echo 'hello   world'
printf '%s\n' 'a$b`c`\d"e"'
