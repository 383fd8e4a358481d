: > f
ls f
