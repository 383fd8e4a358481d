false || false || echo third
true && true && echo all
