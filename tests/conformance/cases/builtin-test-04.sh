echo x > nonempty
: > empty
test -s nonempty && echo s
test -s empty || echo not-s
test -r nonempty && echo r
test -w nonempty && echo w
