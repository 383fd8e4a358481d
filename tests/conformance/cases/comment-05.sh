f() { # comment in function
  echo f # body
} # after
f
