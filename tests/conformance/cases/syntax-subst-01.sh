echo $(echo a
