echo last
false
