alias hi='echo hello'
hi
hi world
